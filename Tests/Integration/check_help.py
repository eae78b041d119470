# Every `colad … --help` at 80 columns reflows its paragraphs: no hard line break inside a
# paragraph of an abstract or discussion (ArgumentParser wraps them itself; a source line break
# there shows up as a short line followed by the rest of the sentence).
#   python3 Tests/Integration/check_help.py .build/release/colad
import subprocess, sys
colad = sys.argv[1]
cmds = [[], ["train"], ["config"], ["config", "print"], ["eval"], ["detect"], ["dataset"], ["dataset", "synth"], ["dataset", "preview"],
        ["experiment"], ["coordinator"], ["status"], ["bench"], ["bench", "ops"], ["bench", "comm"], ["bench", "monitor"], ["diag"]]
bad = []
for c in cmds:
    out = subprocess.run([colad, *c, "--help"], capture_output=True, text=True, env={"COLUMNS": "80", "PATH": "/usr/bin:/bin"}).stdout
    lines = out.split("USAGE:")[0].split("\n")
    for a, b in zip(lines, lines[1:]):
        # A paragraph line that AP did not fill (well short of 80 columns) followed by more of the
        # same paragraph: a hard line break inside a paragraph.
        if a and b and not a.startswith(" ") and not b.startswith(" ") and len(a) + len(b.split(" ")[0]) < 79 \
           and not a.rstrip().endswith(":") and not a.startswith("OVERVIEW"):
            bad.append(f"colad {' '.join(c)} --help: line '{a}' breaks before '{b.split(' ')[0]}'")
print("\n".join(bad) or "help text reflows")
sys.exit(1 if bad else 0)
