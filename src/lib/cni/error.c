/* TODO: implement cni/error.h */
