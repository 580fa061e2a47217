/* TODO: implement cni/args.h */
