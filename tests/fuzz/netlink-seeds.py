#!/usr/bin/env python3
"""Writes the seed corpus of fuzz-netlink: real kernel answers, taken in a
throwaway network namespace (as root):

  python3 tests/fuzz/netlink-seeds.py tests/fuzz/corpus/netlink

(it re-runs itself under `unshare --net`)

It builds a bridge, a veth pair on it, addresses and routes, then records
the kernel's raw answer (every datagram up to NLMSG_DONE or the ACK) to a
link lookup, an address dump, a route dump, a bridge port dump, and a
failing change (an error with its extended ACK)."""
import os
import socket
import struct
import subprocess
import sys

NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 1, 4, 0x300
RTM_GETLINK, RTM_SETLINK, RTM_GETADDR, RTM_GETROUTE = 18, 19, 22, 26
NETLINK_EXT_ACK = 11
IFLA_IFNAME = 3


def sh(cmd):
    subprocess.run(cmd, shell=True, check=True)


def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, t) + payload + b"\0" * ((4 - n % 4) % 4)


def ask(sock, mtype, flags, body, seq):
    msg = struct.pack("=IHHII", 16 + len(body), mtype, flags, seq, 0) + body
    sock.send(msg)
    out = b""
    while True:
        data = sock.recv(65536)
        out += data
        off = 0
        done = False
        while off + 16 <= len(data):
            ln, t = struct.unpack_from("=IH", data, off)
            if t in (2, 3):  # NLMSG_ERROR, NLMSG_DONE
                done = True
            off += (ln + 3) & ~3
        if done:
            return out


def main(outdir):
    # Never touch the machine's own namespace: re-run inside a new one.
    if os.environ.get("PT_NETLINK_SEEDS_NS") != "1":
        os.environ["PT_NETLINK_SEEDS_NS"] = "1"
        os.execvp("unshare", ["unshare", "--net", sys.executable, __file__, outdir])
    sh("ip link set lo up")
    sh("ip link add br0 type bridge && ip link set br0 up")
    sh("ip link add veth0 type veth peer name eth0")
    sh("ip link set veth0 master br0 up && ip link set eth0 up")
    sh("ip addr add 10.1.0.1/24 dev br0 && ip addr add fd00::1/64 dev br0 nodad")
    sh("ip addr add 10.1.0.2/24 dev eth0")
    sh("ip route add 10.9.0.0/16 via 10.1.0.2 metric 5 mtu 1400")
    sh("ip -6 route add fd09::/48 dev br0 metric 7")
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    s.bind((0, 0))
    s.setsockopt(270, NETLINK_EXT_ACK, 1)
    ifi = lambda fam, idx=0: struct.pack("=BxHiII", fam, 0, idx, 0, 0)
    rtm = lambda fam: struct.pack("=BBBBBBBBI", fam, 0, 0, 0, 0, 0, 0, 0, 0)
    ifa = lambda fam: struct.pack("=BBBBI", fam, 0, 0, 0, 0)
    seeds = {
        "link-eth0": (RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, ifi(0) + attr(IFLA_IFNAME, b"eth0\0")),
        "link-br0": (RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, ifi(0) + attr(IFLA_IFNAME, b"br0\0")),
        "link-missing": (RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK, ifi(0) + attr(IFLA_IFNAME, b"nope\0")),
        "addr-dump": (RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, ifa(0)),
        "route4-dump": (RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, rtm(socket.AF_INET)),
        "route6-dump": (RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, rtm(socket.AF_INET6)),
        "bridge-port-dump": (RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, ifi(7)),
        "setlink-error": (RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, ifi(0, 9999) + attr(4, struct.pack("=I", 1))),
        "setlink-badmtu": (RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK, ifi(0, 1) + attr(4, struct.pack("=I", 10))),
    }
    for seq, (name, (t, f, body)) in enumerate(seeds.items(), 1):
        with open(os.path.join(outdir, name), "wb") as out:
            out.write(ask(s, t, f, body, seq))


if __name__ == "__main__":
    main(sys.argv[1])
