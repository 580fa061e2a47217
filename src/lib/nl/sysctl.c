/* TODO: implement nl/sysctl.h */
