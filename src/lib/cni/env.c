/* TODO: implement cni/env.h */
