/* TODO: implement cni/delegate.h */
