/* TODO: implement nl/netns.h */
