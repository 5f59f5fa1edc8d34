#!/usr/bin/env python3
"""Find import cycles between the modules of Rust crates.

Usage: module-cycles.py [--edges] SRC_DIR [SRC_DIR ...]
       module-cycles.py --self-test

Each SRC_DIR is a crate's source directory (`sip/src`). Its crate roots
(`lib.rs`, `main.rs`, `bin/*.rs`) are read, and every module they declare
with `mod name;` is followed to its file (`name.rs`, `name/mod.rs`,
`#[path = "..."]`). A module is a file: inline modules (`mod tests { .. }`)
belong to the file they are written in.

An edge A -> B means a file of A names module B in a path:
`use crate::b::..`, `use super::..`, `use self::..`, `use child::..`,
`crate::b::x`, `super::x`, `child::x` anywhere in code (comments, strings
and attributes are skipped). A path to an item re-exported with `use` is
followed to the module the item comes from. The `mod child;` declaration
itself is not an edge: a parent declaring a child is not a use, but a parent
naming anything in the child (`child::f()`, `pub use child::T`) is.

Every strongly connected component of more than one module is a cycle; each
is printed with one place in the source for each of its edges (`--edges`
prints the whole graph). Exit status 1 when there is a cycle, 2 on a usage
error, 0 otherwise. `--self-test` checks the checker on small made-up
crates.

Standard library only.
"""

import os
import re
import sys

TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<line_comment>//[^\n]*)
    | (?P<block_comment>/\*)
    | (?P<raw_string>b?r\#*")
    | (?P<string>b?"(?:\\.|[^"\\])*")
    | (?P<char>b?'(?:[^'\\\n]|\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F_]+\}|.))')
    | (?P<lifetime>'[A-Za-z_][A-Za-z0-9_]*)
    | (?P<dollar>\$[A-Za-z_][A-Za-z0-9_]*)
    | (?P<ident>(?:r\#)?[A-Za-z_][A-Za-z0-9_]*)
    | (?P<number>[0-9][A-Za-z0-9_.]*)
    | (?P<path_sep>::)
    | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)

KEYWORD_SEGMENTS = {"crate", "super", "self"}


def tokenize(text):
    """Yields (kind, value, line) for identifiers, `::`, punctuation and
    string literals (kind "str", value without quotes). Comments, chars,
    numbers and lifetimes are dropped."""
    pos = 0
    line = 1
    n = len(text)
    while pos < n:
        m = TOKEN.match(text, pos)
        if m is None:  # unreachable: `.` matches any character
            pos += 1
            continue
        kind = m.lastgroup
        start = pos
        pos = m.end()
        if kind == "block_comment":
            depth = 1
            while depth and pos < n:
                nxt = re.compile(r"/\*|\*/").search(text, pos)
                if nxt is None:
                    pos = n
                    break
                depth += 1 if nxt.group() == "/*" else -1
                pos = nxt.end()
        elif kind == "raw_string":
            hashes = m.group().count("#")
            end = text.find('"' + "#" * hashes, pos)
            pos = n if end < 0 else end + 1 + hashes
            yield ("str", text[m.end():max(end, m.end())], line)
        elif kind == "string":
            value = m.group()
            yield ("str", value[value.index('"') + 1:-1], line)
        elif kind == "ident":
            yield ("ident", m.group().removeprefix("r#"), line)
        elif kind == "dollar":
            yield ("dollar", m.group(), line)
        elif kind == "path_sep":
            yield ("::", "::", line)
        elif kind == "punct":
            yield ("punct", m.group(), line)
        line += text.count("\n", start, pos)


class Module:
    """One module: a file, or an inline `mod x { .. }` inside one."""

    def __init__(self, path, file, inline):
        self.path = path  # tuple of names from the crate root
        self.file = file  # the source file it is written in
        self.inline = inline
        self.children = {}  # name -> module path
        self.bindings = {}  # name bound by `use` -> path segments
        self.refs = []  # (path segments, line)


def parse_use_tree(toks, i):
    """Parses a use tree starting at toks[i]. Returns (entries, i) where
    entries are (segments, bound_name or None) and i is past the tree."""
    prefix = []
    if i < len(toks) and toks[i][0] == "::":
        prefix.append("::")  # `use ::extern_crate::..`
        i += 1
    while i < len(toks):
        kind, value, _ = toks[i]
        if kind == "ident":
            prefix.append(value)
            i += 1
            if i < len(toks) and toks[i][0] == "::":
                i += 1
                continue
            if i + 1 < len(toks) and toks[i][1] == "as" and toks[i + 1][0] == "ident":
                alias = toks[i + 1][1]
                i += 2
                return [(prefix, None if alias == "_" else alias)], i
            name = prefix[-1]
            if name == "self" and len(prefix) > 1:
                return [(prefix[:-1], prefix[-2])], i
            return [(prefix, name)], i
        if value == "*":
            return [(prefix, None)], i + 1
        if value == "{":
            entries = []
            i += 1
            while i < len(toks) and toks[i][1] != "}":
                if toks[i][1] == ",":
                    i += 1
                    continue
                sub, i = parse_use_tree(toks, i)
                for segs, name in sub:
                    if segs == ["self"]:
                        entries.append((list(prefix), prefix[-1] if prefix else None))
                    elif segs and segs[0] == "self" and len(segs) > 1 and not prefix:
                        entries.append((segs, name))
                    else:
                        entries.append((prefix + [s for s in segs if s != "::"], name))
            return entries, i + 1
        break
    return [(prefix, None)], i


def skip_attribute(toks, i):
    """toks[i] is the `[` of an attribute. Returns (index past it, the value
    of `path = "..."` if it is a path attribute)."""
    depth = 0
    path = None
    start = i
    while i < len(toks):
        value = toks[i][1]
        if value in "[({" and toks[i][0] == "punct":
            depth += 1
        elif value in "])}" and toks[i][0] == "punct":
            depth -= 1
            if depth == 0:
                break
        i += 1
    inner = toks[start + 1:i]
    if (
        len(inner) == 3
        and inner[0][1] == "path"
        and inner[1][1] == "="
        and inner[2][0] == "str"
    ):
        path = inner[2][1]
    return i + 1, path


class Crate:
    """The module tree of one crate root and the references in it."""

    def __init__(self, root_file):
        self.root_file = root_file
        self.modules = {}
        self.warnings = []
        self._load((), root_file, mod_rs_like=True)

    def _load(self, path, file, mod_rs_like):
        if file in (m.file for m in self.modules.values() if not m.inline):
            return
        try:
            with open(file, encoding="utf-8") as f:
                text = f.read()
        except OSError as e:
            self.warnings.append(f"cannot read {file}: {e}")
            return
        self.modules[path] = Module(path, file, inline=False)
        # Where child files of this file live.
        base = os.path.dirname(file)
        if not mod_rs_like:
            base = os.path.join(base, os.path.splitext(os.path.basename(file))[0])
        self._parse(path, file, list(tokenize(text)), base, os.path.dirname(file))

    def _parse(self, path, file, toks, child_dir, file_dir):
        scopes = [(path, 0, child_dir)]  # (module path, brace depth, dir)
        depth = 0
        pending_path = None
        i = 0
        n = len(toks)
        while i < n:
            kind, value, line = toks[i]
            scope, _, scope_dir = scopes[-1]
            if kind == "punct":
                if value == "#":
                    j = i + 1
                    if j < n and toks[j][1] == "!":
                        j += 1
                    if j < n and toks[j][1] == "[":
                        i, attr_path = skip_attribute(toks, j)
                        pending_path = attr_path or pending_path
                        continue
                elif value == "{":
                    depth += 1
                elif value == "}":
                    depth -= 1
                    if len(scopes) > 1 and depth == scopes[-1][1]:
                        scopes.pop()
                elif value == ";":
                    pending_path = None
                i += 1
                continue
            if kind != "ident":
                i += 1
                continue
            prev = toks[i - 1] if i else ("", "", 0)
            if value == "mod" and i + 2 < n and toks[i + 1][0] == "ident":
                name = toks[i + 1][1]
                after = toks[i + 2][1]
                child = scope + (name,)
                self.modules[scope].children[name] = child
                if after == ";":
                    self._declare_file(child, name, scope_dir, file_dir, pending_path)
                    pending_path = None
                    i += 3
                    continue
                if after == "{":
                    module = Module(child, file, inline=True)
                    self.modules[child] = module
                    sub_dir = os.path.join(scope_dir, pending_path or name)
                    pending_path = None
                    depth += 1
                    scopes.append((child, depth - 1, sub_dir))
                    i += 3
                    continue
            if value == "use" and prev[1] != "::" and i + 1 < n and toks[i + 1][1] not in "<;":
                entries, i = parse_use_tree(toks, i + 1)
                for segs, name in entries:
                    segs = [s for s in segs if s]
                    if not segs or segs[0] == "::":
                        continue
                    self.modules[scope].refs.append((segs, line))
                    if name is not None and name not in KEYWORD_SEGMENTS:
                        self.modules[scope].bindings.setdefault(name, (scope, segs))
                continue
            if prev[0] == "::" or prev[1] in (".", "in"):
                i += 1
                continue
            # A path in code: ident (:: ident)*.
            segs = [value]
            j = i + 1
            while j + 1 < n and toks[j][0] == "::" and toks[j + 1][0] == "ident":
                segs.append(toks[j + 1][1])
                j += 2
            # A lone `crate`/`super` is a visibility (`pub(super)`), not a use.
            if len(segs) > 1:
                self.modules[scope].refs.append((segs, line))
            i = j

    def _declare_file(self, child, name, scope_dir, file_dir, attr_path):
        if attr_path is not None:
            candidates = [(os.path.join(file_dir, attr_path), True)]
        else:
            candidates = [
                (os.path.join(scope_dir, name + ".rs"), False),
                (os.path.join(scope_dir, name, "mod.rs"), True),
            ]
        for candidate, mod_rs_like in candidates:
            if os.path.isfile(candidate):
                self._load(child, os.path.normpath(candidate), mod_rs_like)
                return
        self.warnings.append(f"module {'::'.join(child)}: no file in {scope_dir}")

    # Resolution -----------------------------------------------------------

    def file_module(self, path):
        """The file-level module a (possibly inline) module belongs to."""
        while path in self.modules and self.modules[path].inline:
            path = path[:-1]
        return path

    def walk(self, scope, segs, depth=0):
        """Follows a path written in `scope` down the module tree. Returns
        (module, the segments left after it), or None when the path does not
        lead into this crate."""
        if depth > 16 or not segs:
            return None
        first = segs[0]
        if first == "crate":
            cur, rest = (), segs[1:]
        elif first in ("super", "self"):
            cur = scope
            k = 0
            while k < len(segs) and segs[k] in ("super", "self"):
                if segs[k] == "super":
                    if not cur:
                        return None
                    cur = cur[:-1]
                k += 1
            rest = segs[k:]
        elif first in self.modules[scope].children:
            cur, rest = self.modules[scope].children[first], segs[1:]
        elif first in self.modules[scope].bindings:
            bscope, bsegs = self.modules[scope].bindings[first]
            if bscope == scope and bsegs[:1] == [first]:
                return None  # `use x::..` of an external crate `x`
            bound = self.walk(bscope, bsegs, depth + 1)
            if bound is None:
                return None
            if bound[1]:
                # An item, not a module: the path names the item's module.
                target = self.resolve(bscope, bsegs, depth + 1)
                return None if target is None else (target, [])
            cur, rest = bound[0], segs[1:]
        else:
            return None
        while rest and cur in self.modules and rest[0] in self.modules[cur].children:
            cur, rest = self.modules[cur].children[rest[0]], rest[1:]
        if cur not in self.modules:
            return None
        return cur, rest

    def resolve(self, scope, segs, depth=0):
        """The module a path written in `scope` names (following an item's
        re-export to the module it comes from), or None when the path does
        not lead into this crate."""
        walked = self.walk(scope, segs, depth)
        if walked is None:
            return None
        cur, rest = walked
        if rest and rest[0] in self.modules[cur].bindings:
            bscope, bsegs = self.modules[cur].bindings[rest[0]]
            if (bscope, bsegs) != (scope, segs):
                target = self.resolve(bscope, bsegs + rest[1:], depth + 1)
                if target is not None:
                    return target
        return cur

    def edges(self):
        """{(from, to): (file, line, path text)} between file modules."""
        found = {}
        for scope, module in self.modules.items():
            source = self.file_module(scope)
            for segs, line in module.refs:
                target = self.resolve(scope, segs)
                if target is None:
                    continue
                target = self.file_module(target)
                if target != source and (source, target) not in found:
                    found[(source, target)] = (module.file, line, "::".join(segs))
        return found


def strongly_connected(nodes, edges):
    """Tarjan's algorithm, iterative. Returns components of size > 1."""
    succ = {v: [] for v in nodes}
    for a, b in edges:
        succ.setdefault(a, []).append(b)
        succ.setdefault(b, [])
    index = {}
    low = {}
    on_stack = set()
    stack = []
    out = []
    counter = 0
    for root in sorted(succ):
        if root in index:
            continue
        work = [(root, iter(sorted(succ[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            v, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(succ[w]))))
                    advanced = True
                    break
                if w in on_stack:
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
                    on_stack.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def name(path):
    return "::".join(path) if path else "crate"


def roots_of(src_dir):
    roots = [os.path.join(src_dir, r) for r in ("lib.rs", "main.rs")]
    bin_dir = os.path.join(src_dir, "bin")
    if os.path.isdir(bin_dir):
        for entry in sorted(os.listdir(bin_dir)):
            full = os.path.join(bin_dir, entry)
            if entry.endswith(".rs"):
                roots.append(full)
            elif os.path.isfile(os.path.join(full, "main.rs")):
                roots.append(os.path.join(full, "main.rs"))
    return [r for r in roots if os.path.isfile(r)]

SELF_TESTS = [
    # (files, expected cycles as sorted lists of module names)
    (
        {
            "lib.rs": "mod a;\nmod b;\n",
            "a/mod.rs": "mod child;\npub fn f() { child::g(); }\npub struct T;\n",
            "a/child.rs": "use super::T;\npub fn g() {}\n",
            "b.rs": "pub(crate) fn h() {}\n",
        },
        [["a", "a::child"]],
    ),
    (
        {
            "lib.rs": "mod a;\nmod b;\npub use a::Thing;\n",
            "a/mod.rs": "mod inner;\npub use inner::Thing;\npub(super) fn g() {}\n",
            "a/inner.rs": "pub struct Thing;\nfn h() { let c = '}'; crate::b::f(); }\n",
            "b.rs": "// crate::a::g()\n/* crate::a /* nested */ g */\n"
            "const S: &str = \"crate::a::g\";\npub(super) fn f() {}\n",
        },
        [],  # comments, strings and visibilities are not uses
    ),
    (
        {
            "lib.rs": "mod a;\nmod b;\npub use a::Thing;\n",
            "a/mod.rs": "mod inner;\npub use inner::Thing;\n",
            "a/inner.rs": "pub struct Thing;\nfn h() { crate::b::f(); }\n",
            "b.rs": "pub fn f() {}\n#[cfg(test)]\nmod tests { fn t() { let _ = crate::Thing; } }\n",
        },
        [["a::inner", "b"]],  # re-exports followed; inline modules count
    ),
    (
        {
            "main.rs": "mod x;\nmod y;\n",
            "x.rs": "mod z;\nuse crate::y::Y;\n",
            "x/z.rs": "pub struct Z;\nfn f() { let _ = crate::y::Y; }\n",
            "y.rs": "pub struct Y;\nfn f() { let _ = crate::x::z::Z; }\n",
        },
        [["x::z", "y"]],  # x.rs + x/z.rs; a child is a module of its own
    ),
]


def self_test():
    import tempfile

    failures = 0
    for k, (files, expected) in enumerate(SELF_TESTS, 1):
        with tempfile.TemporaryDirectory() as src:
            for path, text in files.items():
                full = os.path.join(src, path)
                os.makedirs(os.path.dirname(full), exist_ok=True)
                with open(full, "w", encoding="utf-8") as f:
                    f.write(text)
            found = []
            for root in roots_of(src):
                crate = Crate(root)
                nodes = {crate.file_module(p) for p in crate.modules}
                for comp in strongly_connected(nodes, crate.edges()):
                    found.append([name(p) for p in comp])
        if sorted(found) != sorted(expected):
            failures += 1
            print(f"self-test {k}: expected {expected}, found {found}", file=sys.stderr)
    print("self-test: " + ("ok" if not failures else f"{failures} failed"))
    return 1 if failures else 0


def main(argv):
    if argv == ["--self-test"]:
        return self_test()
    show_edges = "--edges" in argv
    dirs = [a for a in argv if a != "--edges"]
    if not dirs or any(a.startswith("-") for a in dirs):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    cycles = 0
    for src_dir in dirs:
        roots = roots_of(src_dir)
        if not roots:
            print(f"{src_dir}: no lib.rs, main.rs or bin/*.rs", file=sys.stderr)
            return 2
        for root in roots:
            crate = Crate(root)
            for w in crate.warnings:
                print(f"warning: {w}", file=sys.stderr)
            edges = crate.edges()
            nodes = {crate.file_module(p) for p in crate.modules}
            if show_edges:
                for (a, b), (file, line, text) in sorted(edges.items()):
                    print(f"{root}: {name(a)} -> {name(b)}  ({file}:{line} {text})")
            components = strongly_connected(nodes, edges)
            files = sum(1 for m in crate.modules.values() if not m.inline)
            if not components:
                print(f"{root}: no cycles ({files} modules, {len(edges)} edges)")
                continue
            cycles += len(components)
            print(f"{root}: {len(components)} cycle(s) ({files} modules, {len(edges)} edges)")
            for k, comp in enumerate(components, 1):
                print(f"  cycle {k}: {', '.join(name(p) for p in comp)}")
                members = set(comp)
                for (a, b), (file, line, text) in sorted(edges.items()):
                    if a in members and b in members:
                        print(f"    {name(a)} -> {name(b)}  ({file}:{line} {text})")
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
