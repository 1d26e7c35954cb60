"""A resolver's addresses for a name, asked directly: the benchmarks (unbound_bench.py,
rpz_bench.py) check answers where starting a `dig` for each query would be too slow.
Any thread; one socket per query (harness.query, dnspython)."""

import dns.exception
import dns.rcode
import dns.rdatatype

from harness import query


def query_addresses(port, name, rtype="A", timeout=0.2):
    """Asks 127.0.0.1:port once (harness.query); the answer's A and AAAA addresses,
    None without a NOERROR answer (a timeout, or ICMP port unreachable before the
    server binds)."""
    try:
        reply = query(port, name, rtype, timeout=timeout)
    except (dns.exception.DNSException, OSError):
        return None
    if reply.rcode() != dns.rcode.NOERROR:
        return None
    return [rdata.address for rrset in reply.answer if rrset.rdtype in (dns.rdatatype.A, dns.rdatatype.AAAA)
            for rdata in rrset]
