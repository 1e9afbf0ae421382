#!/usr/bin/env python3
# Frame I/O for the kernel agent's DHCP responder. Node has neither AF_PACKET nor raw sockets,
# and a UDP socket cannot be tied to one bridge port (no SO_BINDTODEVICE in Node's dgram), so
# this small helper owns one AF_PACKET socket per VM interface and relays frames as hex lines.
# The DHCP logic itself stays in TypeScript (src/apps/dhcp), shared with the OVS backend.
#
# stdin:  "watch IFNAME" | "unwatch IFNAME" | "send IFNAME HEX"
# stdout: "frame IFNAME HEX" (a DHCP request or an ARP request the VM sent) | "error IFNAME TEXT" |
#         "up IFNAME" (socket bound) | "down IFNAME" (interface gone; retried every second)

import ctypes, os, select, socket, struct, sys, time

ETH_P_ALL = 0x0003
SO_ATTACH_FILTER = 26
PACKET_IGNORE_OUTGOING = 23
PACKET_OUTGOING = 4
SOL_PACKET = 263

# Classic BPF: accept ARP requests, and IPv4 UDP to port 67 that is not a non-first fragment;
# drop the rest, so only DHCP and ARP requests are copied to this process, not the VM's traffic.
#   0 ldh [12]                  ; ethertype
#   1 jeq #0x806 ? 2 : 4
#   2 ldh [20]                  ; ARP opcode
#   3 jeq #1 ? accept : drop
#   4 jeq #0x800 ? 5 : drop     ; (A still holds the ethertype)
#   5 ldb [23]; 6 jeq #17 ? 7 : drop
#   7 ldh [20]; 8 jset #0x1fff ? drop : 9     ; a non-first fragment has no UDP header
#   9 ldxb 4*([14]&0xf); 10 ldh [x+16]; 11 jeq #67 ? accept : drop
#  12 accept; 13 drop
BPF = [
    (0x28, 0, 0, 12), (0x15, 0, 2, 0x0806), (0x28, 0, 0, 20), (0x15, 8, 9, 1),
    (0x15, 0, 8, 0x0800), (0x30, 0, 0, 23), (0x15, 0, 6, 17), (0x28, 0, 0, 20),
    (0x45, 4, 0, 0x1FFF), (0xB1, 0, 0, 14), (0x48, 0, 0, 16), (0x15, 0, 1, 67),
    (0x06, 0, 0, 0x40000), (0x06, 0, 0, 0),
]
_filter = b"".join(struct.pack("HBBI", *insn) for insn in BPF)
_filter_buf = ctypes.create_string_buffer(_filter)
FPROG = struct.pack("HL", len(BPF), ctypes.addressof(_filter_buf))

socks = {}    # ifname -> socket
wanted = set()
out = sys.stdout


def say(*parts):
    out.write(" ".join(parts) + "\n")
    out.flush()


def is_wanted(frame):
    if len(frame) >= 22 and frame[12:14] == b"\x08\x06":
        return frame[20:22] == b"\x00\x01"  # ARP request
    if len(frame) < 14 + 20 + 8 or frame[12:14] != b"\x08\x00" or frame[23] != 17:
        return False
    ihl = (frame[14] & 0x0F) * 4
    return len(frame) >= 14 + ihl + 4 and frame[14 + ihl + 2:14 + ihl + 4] == b"\x00\x43"


def bind(ifname):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, FPROG)
        try:
            s.setsockopt(SOL_PACKET, PACKET_IGNORE_OUTGOING, 1)
        except OSError:
            pass  # older kernels: outgoing frames are skipped by pkttype below
        s.bind((ifname, ETH_P_ALL))
        s.setblocking(False)
    except OSError:
        s.close()
        raise
    return s


def retry_binds():
    for ifname in sorted(wanted - socks.keys()):
        try:
            socks[ifname] = bind(ifname)
            say("up", ifname)
        except OSError:
            pass  # not there yet (VM not started): next second


def drop(ifname, why):
    s = socks.pop(ifname, None)
    if s:
        s.close()
        say("down", ifname)


def command(line):
    parts = line.split()
    if not parts:
        return
    if parts[0] == "watch" and len(parts) == 2:
        wanted.add(parts[1])
        retry_binds()
    elif parts[0] == "unwatch" and len(parts) == 2:
        wanted.discard(parts[1])
        drop(parts[1], "unwatched")
    elif parts[0] == "send" and len(parts) == 3:
        s = socks.get(parts[1])
        if s is None:
            say("error", parts[1], "not bound")
            return
        try:
            s.send(bytes.fromhex(parts[2]))
        except (OSError, ValueError) as e:
            say("error", parts[1], str(e).replace("\n", " "))
    else:
        say("error", "-", "bad command: " + line.strip()[:80])


def main():
    buf = b""
    last_retry = 0.0
    stdin = sys.stdin.buffer.raw
    while True:
        fds = [stdin] + list(socks.values())
        ready, _, _ = select.select(fds, [], [], 1.0)
        for r in ready:
            if r is stdin:
                chunk = os.read(stdin.fileno(), 65536)
                if not chunk:
                    return
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    command(line.decode("ascii", "replace"))
                continue
            ifname = next((n for n, s in socks.items() if s is r), None)
            if ifname is None:
                continue
            try:
                frame, addr = r.recvfrom(65535)
            except BlockingIOError:
                continue
            except OSError as e:
                drop(ifname, str(e))
                continue
            if addr[2] == PACKET_OUTGOING or not is_wanted(frame):
                continue
            say("frame", ifname, frame.hex())
        now = time.monotonic()
        if now - last_retry >= 1.0:
            last_retry = now
            # An interface that vanished and came back (VM restarted) has a new ifindex: rebind.
            for ifname in list(socks):
                if not os.path.exists("/sys/class/net/" + ifname):
                    drop(ifname, "gone")
            retry_binds()


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
