/* TODO: implement cni/version.h */
