#!/usr/bin/env python3
"""run.py — `make mutants`: apply each mutant of mutants.txt, one at a time, to a
copy of the tree, build it with ASan+UBSan, run the tests that cover that stage,
and print one line per mutant; the last line is `mutants: N killed, M survived`.

A mutant is killed when at least one of its tests fails. A mutant whose `old`
text is not found exactly once is an error (the list went stale): it counts as
survived, so a stale list cannot pass. Exit 0 only when every mutant is killed.
Usage: tests/mutants/run.py [NAME...]   (MUTANTS_FROM=worktree to mutate uncommitted work;
the default is the committed HEAD)
"""
import glob, os, shutil, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, '..', '..'))
SHARED = os.environ.get('SHARED', os.path.normpath(os.path.join(ROOT, '..', 'shared')))
SAN = '-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all'
MAKE = ['make', '--no-print-directory', '-j2', 'BUILD=build/asan', 'OPT=-O1', 'SAN=' + SAN, 'unit']


def load():
    out, cur = [], {}
    for line in open(os.path.join(HERE, 'mutants.txt')):
        line = line.rstrip('\n')
        if line.startswith('#'):
            continue
        if not line.strip():
            if cur:
                out.append(cur)
            cur = {}
            continue
        k, _, v = line.partition(':')
        cur[k.strip()] = v.strip()
    if cur:
        out.append(cur)
    return out


def sh(cmd, cwd, env=None, log=None):
    r = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if log is not None:
        log.append(r.stdout)
    return r.returncode


def main():
    want = set(sys.argv[1:])
    muts = [m for m in load() if not want or m['name'] in want]
    tmp = tempfile.mkdtemp(prefix='sipscope-mutants.')
    tree = os.path.join(tmp, 'tree')
    try:
        if os.environ.get('MUTANTS_FROM', 'HEAD') == 'worktree' or not os.path.isdir(os.path.join(ROOT, '.git')):
            shutil.copytree(ROOT, tree, symlinks=True,
                            ignore=shutil.ignore_patterns('.git', 'build', 'sipscope'))
        else:  # what is committed: uncommitted edits elsewhere in the tree do not leak in
            os.mkdir(tree)
            subprocess.run('git -C "%s" archive HEAD | tar -x -C "%s"' % (ROOT, tree), shell=True, check=True)
        print('mutants: building the unmutated copy ...', flush=True)
        log = []
        if sh(MAKE, tree, log=log) != 0:
            print(log[-1][-3000:])
            print('mutants: the unmutated tree does not build')
            return 2
        killed = survived = 0
        for m in muts:
            t0 = time.time()
            files = [f for f in glob.glob(os.path.join(tree, m['where']))
                     if open(f, errors='replace').read().count(m['old']) == 1]
            if len(files) != 1:
                survived += 1
                print('STALE    %-40s `old` found in %d files of %s' % (m['name'], len(files), m['where']))
                continue
            f = files[0]
            orig = open(f).read()
            open(f, 'w').write(orig.replace(m['old'], m['new']))
            env = dict(os.environ, BUILD='build/asan', SHARED=SHARED)
            env.pop('CI', None)
            for kv in m.get('env', '').split():
                k, _, v = kv.partition('=')
                env[k] = v
            why = ''
            log = []
            if sh(MAKE, tree, log=log) != 0:
                why = 'build fails'
            else:
                for pat in m['tests'].split():
                    log = []
                    rc = sh(['sh', 'tests/run.sh'], tree, env=dict(env, TESTS=pat), log=log)
                    ran = 'check: 0 passed, 0 failed' not in log[-1]
                    if rc != 0 and ran:
                        fails = [l.split()[1] for l in log[-1].splitlines() if l.startswith('FAIL')]
                        why = 'killed by ' + ' '.join(fails[:4])
                        break
                    if not ran:
                        why = ''
                        print('         %-40s pattern %r matched no test' % (m['name'], pat))
            open(f, 'w').write(orig)
            os.utime(f)
            secs = time.time() - t0
            if why:
                killed += 1
                print('killed   %-40s %s (%.0fs)' % (m['name'], why, secs), flush=True)
            else:
                survived += 1
                print('SURVIVED %-40s tests: %s (%.0fs)' % (m['name'], m['tests'], secs), flush=True)
        print('mutants: %d killed, %d survived' % (killed, survived))
        return 0 if survived == 0 else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
