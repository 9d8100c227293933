#!/usr/bin/env python3
"""layout.py — the tree shows the pipeline (issue 12).

Checks, on the source tree itself:
- no module file loose in src/ (main.c aside) and a README.md in every stage folder;
- include/ holds only cross-stage contracts: its headers include no stage header but util's;
- the graph of stage -> stage includes has no cycle, and follows the flow order below
  (a stage includes only its own headers and those of stages before it);
- no two files include each other (directly or through a chain);
- no finding kind (src/kinds/) reaches into struct engine: kinds get the read-only
  struct corr_view, the finding store and their own state (src/kinds/README.md).
Prints the stage graph, so a reviewer sees where data flows.
"""
import os, re, sys, glob, collections

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
os.chdir(ROOT)
# The flow, top to bottom (docs/design.md). findings is the store the kinds write into and
# the engine owns, so it sits below correlate; media reads SIP messages and UDP datagrams
# and the engine reads it; diagnosis reads the engine's snapshot; app chains everything.
ORDER = 'util config capture stream decode sip media findings correlate kinds diagnosis output tui app'.split()
INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
bad = []

loose = [f for f in os.listdir('src') if os.path.isfile('src/' + f) and f != 'main.c']
if loose:
    bad.append('loose in src/: ' + ' '.join(sorted(loose)))
stages = sorted(d for d in os.listdir('src') if os.path.isdir('src/' + d))
for d in stages:
    if d not in ORDER:
        bad.append('stage folder %s is not in the flow order of this check' % d)
    if not os.path.isfile('src/%s/README.md' % d):
        bad.append('src/%s has no README.md' % d)

ENGINE = re.compile(r'\bstruct\s+engine\b')
for f in sorted(glob.glob('src/kinds/*.[ch]')):
    for n, line in enumerate(open(f), 1):
        if ENGINE.search(line.split('//')[0]):
            bad.append('%s:%d: a kind uses struct engine (use struct kind_ctx)' % (f, n))

def resolve(f, h):
    for base in (os.path.dirname(f), 'include', 'src'):
        p = os.path.normpath(os.path.join(base, h))
        if os.path.isfile(p):
            return p
    return None

files = sorted(glob.glob('src/**/*.[ch]', recursive=True) + glob.glob('include/*.h'))
graph = {f: [p for p in (resolve(f, h) for h in INC.findall(open(f).read())) if p] for f in files}

def stage(p):
    parts = p.split('/')
    return parts[1] if parts[0] == 'src' and len(parts) > 2 else ('include' if parts[0] == 'include' else 'main')

edges = collections.defaultdict(set)
for f, deps in graph.items():
    for p in deps:
        a, b = stage(f), stage(p)
        if a == b:
            continue
        if a == 'include' and b != 'util':
            bad.append('contract %s includes stage header %s' % (f, p))
        if b == 'include':
            continue
        edges[a].add(b)
        if a in ORDER and b in ORDER and ORDER.index(b) > ORDER.index(a):
            bad.append('%s (stage %s) includes %s of the later stage %s' % (f, a, p, b))

# file-level include cycles (DFS with colours)
colour = {}
def dfs(f, path):
    colour[f] = 1
    for p in graph.get(f, []):
        if colour.get(p) == 1:
            bad.append('include cycle: ' + ' -> '.join(path[path.index(p):] + [p]) if p in path else p)
        elif p not in colour:
            dfs(p, path + [p])
    colour[f] = 2
for f in files:
    if f not in colour:
        dfs(f, [f])

for a in ORDER + ['main']:
    if edges.get(a):
        print('%-10s -> %s' % (a, ' '.join(sorted(edges[a], key=lambda s: ORDER.index(s) if s in ORDER else 99))))
for b in bad:
    print('layout: ' + b)
print('layout: %d problem(s) in %d files, %d stages' % (len(bad), len(files), len(stages)))
sys.exit(1 if bad else 0)
