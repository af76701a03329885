"""`serve` sets or clears prometheus-client's multiprocess variable before anything imports
prometheus-client (it reads the variable once, on import): so importing the command line must
not import it. A console command that needs the schema imports it when it runs."""

from __future__ import annotations

import subprocess
import sys


def test_importing_the_command_line_leaves_prometheus_client_unimported() -> None:
    probe = "import sys, smooth_gql.cli; print('prometheus_client' in sys.modules)"
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert answer.stdout.strip() == "False", answer.stderr
