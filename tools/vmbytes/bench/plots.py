# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""gnuplot plots (png terminal) and markdown tables for the report."""
import os
import subprocess
import sys


def gnuplot(script, workdir):
    workdir = os.path.abspath(workdir)
    path = os.path.join(workdir, "plot.gp")
    with open(path, "w") as f:
        f.write(script)
    r = subprocess.run(["gnuplot", path], cwd=workdir, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        print(f"vmbytes bench: gnuplot failed: {r.stderr.strip()[:500]}", file=sys.stderr)
        return False
    return True


PNG = "set terminal png size 1100,700 font ',10' noenhanced\n"


def plot_throughput(series, title, png, workdir, xlabel="copy size"):
    """@series: label -> [(size, GB/s)]. Log-log, one line per label."""
    files = []
    for i, (label, pts) in enumerate(series.items()):
        if not pts:
            continue
        fn = f"s{i}.dat"
        with open(os.path.join(workdir, fn), "w") as f:
            for x, y in sorted(pts):
                if y:
                    f.write(f"{x} {y}\n")
        files.append((fn, label))
    if not files:
        return False
    # The default path stands out: thick and black.
    plots = ", ".join(f"'{fn}' using 1:2 with linespoints "
                      + ("lw 3 lc rgb 'black' " if label == "default" else "")
                      + f"title '{label}'" for fn, label in files)
    return gnuplot(PNG + f"""set output '{png}'
set title '{title}'
set logscale xy 2
set format x '%.0b%B'
set xlabel '{xlabel} (bytes)'
set ylabel 'GB/s'
set grid
set key outside right
plot {plots}
""", workdir)


def plot_heatmap(cells, xs, ys, title, png, workdir, cblabel, fmt="%.1f", logcb=False,
                 width=1100, height=700):
    """@cells: (x, y) -> value over the labels @xs (columns) and @ys (rows)."""
    vals = [v for v in cells.values() if v is not None and v > 0]
    if not vals:
        return False
    with open(os.path.join(workdir, "heat.dat"), "w") as f, \
            open(os.path.join(workdir, "labels.dat"), "w") as g:
        for j, y in enumerate(ys):
            for i, x in enumerate(xs):
                v = cells.get((x, y))
                f.write(f"{i} {j} {v if v is not None else 'NaN'}\n")
                if v is not None:
                    g.write(f"{i} {j} {v}\n")
            f.write("\n")
    lo, hi = min(vals), max(vals)
    if hi <= lo:
        hi = lo * 1.01 + 1e-9
    xt = ", ".join(f"'{x}' {i}" for i, x in enumerate(xs))
    yt = ", ".join(f"'{y}' {j}" for j, y in enumerate(ys))
    return gnuplot(f"set terminal png size {width},{height} font ',9' noenhanced\n" + f"""set output '{png}'
set title '{title}'
set xtics ({xt}) rotate by 45 right
set ytics ({yt})
set xrange [-0.5:{len(xs) - 0.5}]
set yrange [-0.5:{len(ys) - 0.5}]
set cblabel '{cblabel}'
{'set logscale cb' if logcb else ''}
set cbrange [{lo}:{hi}]
set palette rgbformulae 22,13,-31
unset key
plot 'heat.dat' using 1:2:3 with image, 'labels.dat' using 1:2:(sprintf('{fmt}', $3)) with labels font ',8'
""", workdir)


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out
