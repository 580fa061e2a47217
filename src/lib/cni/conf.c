/* TODO: implement cni/conf.h */
