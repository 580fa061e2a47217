/* TODO: implement nl/nl.h */
