"""Dependency graphs: strongly connected components (iterative Tarjan) and a
shortest cycle inside a component (BFS), for the cycle search of append.py."""
from collections import deque


def sccs(nodes, edges):
    """`edges`: node -> {successor: set of edge kinds}. Returns the components
    with more than one node (a self-loop is not added by callers)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work = [(root, iter(edges.get(root, {})))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(edges.get(w, {}))))
                    advanced = True
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(comp)
    return out


def find_cycle(component, edges):
    """A shortest cycle through the component's first node, as [(a, kinds, b), …]."""
    members = set(component)
    start = component[0]
    parent = {start: None}
    queue = deque([start])
    while queue:
        v = queue.popleft()
        for w, kinds in edges.get(v, {}).items():
            if w not in members:
                continue
            if w == start:
                path = [(v, sorted(kinds), w)]
                while parent[v] is not None:
                    p = parent[v]
                    path.append((p, sorted(edges[p][v]), v))
                    v = p
                return list(reversed(path))
            if w not in parent:
                parent[w] = v
                queue.append(w)
    return []
