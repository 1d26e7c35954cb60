"""DNS over UDP, just enough to check an answer: the benchmarks ask a resolver
directly (unbound_bench.py, rpz_bench.py) where starting a `dig` for each query
would be too slow. Any thread; one socket per query."""

import random
import socket
import struct


def encode_name(name):
    return b"".join(bytes([len(label)]) + label.encode() for label in name.rstrip(".").split(".")) + b"\0"


def skip_name(message, offset):
    while True:
        length = message[offset]
        if length & 0xC0 == 0xC0:
            return offset + 2
        if length == 0:
            return offset + 1
        offset += 1 + length


def answer_addresses(message):
    """The A and AAAA addresses of a response's answer section; None unless NOERROR."""
    _, flags, questions, answers = struct.unpack("!HHHH", message[:8])
    if flags & 0x000F != 0:
        return None
    offset = 12
    for _ in range(questions):
        offset = skip_name(message, offset) + 4
    addresses = []
    for _ in range(answers):
        offset = skip_name(message, offset)
        rtype, _, _, length = struct.unpack("!HHIH", message[offset:offset + 10])
        rdata = message[offset + 10:offset + 10 + length]
        if rtype in (1, 28):
            addresses.append(socket.inet_ntop(socket.AF_INET if rtype == 1 else socket.AF_INET6, rdata))
        offset += 10 + length
    return addresses


def query_addresses(port, name, rtype="A", timeout=0.2):
    """Asks 127.0.0.1:port once; None without a NOERROR answer."""
    query_id = random.randrange(1 << 16)
    packet = (struct.pack("!HHHHHH", query_id, 0x0100, 1, 0, 0, 0) + encode_name(name)
              + struct.pack("!HH", 28 if rtype == "AAAA" else 1, 1))
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.settimeout(timeout)
        try:
            udp.sendto(packet, ("127.0.0.1", port))
            while True:
                response, _ = udp.recvfrom(65535)
                if response[:2] == packet[:2]:
                    return answer_addresses(response)
        except OSError:  # a timeout, or ICMP port unreachable before the server binds
            return None
