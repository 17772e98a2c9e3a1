# Captures real kernel netlink traffic for the unit tests. Run as root inside a fresh network namespace:
#   ip netns add cap && ip netns exec cap python3 capture.py Captures/ ; ip netns del cap
# Each output file holds one datagram per line, hex-encoded.
import socket, struct, subprocess, os, binascii
import sys
OUT = sys.argv[1] if len(sys.argv) > 1 else "./"
def save(name, msgs):
    with open(OUT+name,"w") as f:
        for m in msgs: f.write(binascii.hexlify(m).decode()+"\n")
# uevents
u = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 15); u.bind((0,1)); u.settimeout(0.5)
# route monitor
mon = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0); mon.bind((0, 1|0x10)); mon.settimeout(0.5)  # RTMGRP_LINK|RTMGRP_IPV4_IFADDR
subprocess.run(["ip","link","add","v0","type","veth","peer","name","v1"])
subprocess.run(["ip","link","set","v0","up"])
subprocess.run(["ip","link","set","v1","up"])
subprocess.run(["ip","addr","add","169.254.0.8/16","dev","v0"])
subprocess.run(["ip","link","set","v0","down"])
subprocess.run(["ip","link","del","v0"])
def drain(s):
    out=[]
    try:
        while True: out.append(s.recv(65536))
    except socket.timeout: pass
    return out
save("uevents-veth.hex", drain(u))
save("rtnl-monitor-veth.hex", drain(mon))
# dump
subprocess.run(["ip","link","add","v0","type","veth","peer","name","v1"])
subprocess.run(["ip","link","set","v0","up"])
r = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0); r.bind((0,0)); r.settimeout(0.5)
r.setsockopt(270, 11, 1)  # SOL_NETLINK NETLINK_EXT_ACK
# RTM_GETLINK dump: nlmsghdr(len,type=18,flags=REQUEST|DUMP=0x301,seq,pid) + ifinfomsg(16)
req = struct.pack("=IHHII", 16+16, 18, 0x301, 1, 0) + struct.pack("=BxHiII", 0,0,0,0,0)
r.send(req); save("rtnl-getlink-dump.hex", drain(r))
# NEWLINK with bad kind -> error with ext ack
kind=b"nosuchkind\0"; kindattr=struct.pack("=HH",4+len(kind),1)+kind; kindattr+=b"\0"*((4-len(kindattr)%4)%4)
linkinfo=struct.pack("=HH",4+len(kindattr),18)+kindattr
name=b"x0\0"; nameattr=struct.pack("=HH",4+len(name),3)+name; nameattr+=b"\0"*((4-len(nameattr)%4)%4)
body=struct.pack("=BxHiII",0,0,0,0,0)+nameattr+linkinfo
req=struct.pack("=IHHII",16+len(body),16,0x1|0x4|0x400|0x200,2,0)+body  # REQUEST|ACK|CREATE|EXCL
r.send(req); save("rtnl-error-extack.hex", drain(r))
# NEWADDR on v0 (ifindex lookup) ack + EEXIST error
idx=int(open("/sys/class/net/v0/ifindex").read())
def addrreq(seq):
    a=socket.inet_aton("169.254.0.8")
    attrs=struct.pack("=HH",8,2)+a+struct.pack("=HH",8,1)+a
    body=struct.pack("=BBBBi",2,16,0,0,idx)+attrs
    return struct.pack("=IHHII",16+len(body),20,0x1|0x4|0x400|0x200,seq,0)+body
r.send(addrreq(3)); save("rtnl-newaddr-ack.hex", drain(r))
r.send(addrreq(4)); save("rtnl-newaddr-eexist.hex", drain(r))
# getaddr dump
req = struct.pack("=IHHII", 16+8, 22, 0x301, 5, 0) + struct.pack("=BBBBi",2,0,0,0,0)
r.send(req); save("rtnl-getaddr-dump.hex", drain(r))
