/* TODO: implement nl/route.h */
