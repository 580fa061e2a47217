/* TODO: implement cni/result.h */
