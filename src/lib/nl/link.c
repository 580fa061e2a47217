/* TODO: implement nl/link.h */
