"""What a GraphQL query will cost at most, before it is sent (GitHub's documented rule): every
connection needs one request per parent object that could hold it; the sum of those requests
divided by 100, rounded, is the cost, at least 1. A shared token budget draws this much before
a call and is settled with the cost GitHub reports afterwards."""

from __future__ import annotations

import re

_CONNECTION = re.compile(r"(\w+)\s*\(([^)]*)\)\s*\{")
_SIZE = re.compile(r"(?:first|last)\s*:\s*(\$?\w+)")


def graphql_cost(query: str, variables: dict) -> int:
    """The upper bound of ``query``'s rate-limit cost with ``variables``."""
    requests = 0
    parents = [1]  # objects that may hold the connections at this depth
    body = query[query.index("{"):] if "{" in query else ""
    i = 0
    while i < len(body):
        ch = body[i]
        if ch in "{}":
            if ch == "{":
                parents.append(parents[-1])
            else:
                parents.pop()
            i += 1
            continue
        m = _CONNECTION.match(body, i)
        size = _SIZE.search(m.group(2)) if m else None
        if m and size:
            arg = size.group(1)
            n = int(variables.get(arg[1:], 1) if arg.startswith("$") else arg)
            requests += parents[-1]
            parents.append(parents[-1] * max(1, n))
            i = m.end()
            continue
        i += 1
    return max(1, round(requests / 100))
