# SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
"""The OSS-Fuzz and ClusterFuzzLite files agree with each other
(projects/vmbytes/, .clusterfuzzlite/, ci/github/workflows/cflite.yml)."""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def check_files():
    """The OSS-Fuzz and ClusterFuzzLite files agree with each other."""
    here = os.path.join(ROOT, "fuzz", "oss-fuzz")
    proj = os.path.join(here, "projects", "vmbytes")
    problems = []

    def read(path):
        try:
            with open(path) as f:
                return f.read()
        except OSError as e:
            problems.append(f"{os.path.relpath(path, ROOT)}: {e.strerror}")
            return ""

    yaml = read(os.path.join(proj, "project.yaml"))
    main_repo = re.search(r'^main_repo:\s*"?([^"\s]+)', yaml, re.M)
    clone = re.search(r"git clone\b.*?\s(\S+://\S+)", read(os.path.join(proj, "Dockerfile")))
    if not main_repo or not clone or main_repo.group(1) != clone.group(1):
        problems.append("projects/vmbytes: the Dockerfile's clone URL "
                        f"({clone.group(1) if clone else 'none'}) is not project.yaml's main_repo "
                        f"({main_repo.group(1) if main_repo else 'none'})")
    for key in ("homepage", "language", "primary_contact", "main_repo", "sanitizers",
                "fuzzing_engines", "architectures"):
        if not re.search(rf"^{key}:", yaml, re.M):
            problems.append(f"projects/vmbytes/project.yaml has no {key}")
    lang = re.search(r"^language:\s*(\S+)", yaml, re.M)
    cflite_lang = re.search(r"^language:\s*(\S+)",
                            read(os.path.join(ROOT, ".clusterfuzzlite", "project.yaml")), re.M)
    workflow = set(re.findall(r"^\s+language:\s*(\S+)",
                              read(os.path.join(ROOT, "ci", "github", "workflows", "cflite.yml")), re.M))
    langs = {m.group(1) for m in (lang, cflite_lang) if m} | workflow
    if len(langs) != 1 or not lang or not cflite_lang:
        problems.append(f"the project.yaml files and cflite.yml disagree on the language: {sorted(langs)}")
    real = 'exec "$SRC/vmbytes/fuzz/oss-fuzz/build.sh"'
    for script in (os.path.join(proj, "build.sh"), os.path.join(ROOT, ".clusterfuzzlite", "build.sh")):
        if real not in read(script) or not os.access(script, os.X_OK):
            problems.append(f"{os.path.relpath(script, ROOT)} does not run fuzz/oss-fuzz/build.sh "
                            "or is not executable")
    return problems
