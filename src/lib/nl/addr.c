/* TODO: implement nl/addr.h */
