/* TODO: implement cni/plugin.h */
