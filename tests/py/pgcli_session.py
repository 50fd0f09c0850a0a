"""Starts pgcli against a SHAPE server in a pseudo-terminal, lets it run its completion
refresh (the catalog queries it sends on connect), runs one query and quits. Prints the
lines of pgcli's log that report errors, then "pgcli ok" when there were none.
Usage: python3 pgcli_session.py PORT WORKDIR"""
import os
import pty
import select
import subprocess
import sys
import time

port, workdir = sys.argv[1], sys.argv[2]
config_dir = os.path.join(workdir, "pgcli-config")
os.makedirs(config_dir, exist_ok=True)
log = os.path.join(workdir, "pgcli.log")
config = os.path.join(config_dir, "config")
with open(config, "w") as f:
    f.write(f"[main]\nlog_file = {log}\nlog_level = DEBUG\nhistory_file = {workdir}/history\n"
            "smart_completion = True\nkeyring = False\n")

main, child = pty.openpty()
env = dict(os.environ, TERM="xterm", XDG_CONFIG_HOME=config_dir, PAGER="cat", LINES="40", COLUMNS="200")
proc = subprocess.Popen(
    [sys.executable, "-m", "pgcli", "--pgclirc", config, "-h", "127.0.0.1", "-p", port, "-U", "shape", "-d", "shape",
     "--less-chatty", "--no-password"],
    stdin=child, stdout=child, stderr=child, env=env, close_fds=True,
)
os.close(child)
screen = b""


def read_for(seconds):
    global screen
    end = time.time() + seconds
    while time.time() < end:
        ready, _, _ = select.select([main], [], [], 0.2)
        if ready:
            try:
                screen += os.read(main, 65536)
            except OSError:
                return


def log_text():
    return open(log).read() if os.path.exists(log) else ""


# The completion refresh runs in a background thread after connecting.
deadline = time.time() + 120
while time.time() < deadline and "Completion refresh" not in log_text() and b"shape>" not in screen:
    read_for(1)
read_for(15)
os.write(main, b"SELECT count(*) AS n FROM slo_definitions;\r")
read_for(10)
os.write(main, b"\\q\r")
read_for(3)
proc.kill()
text = log_text()
shown = screen.decode("utf-8", "replace")
# Errors of the background completion refresh go to the terminal, others to the log.
errors = [l for l in (text + "\n" + shown).splitlines()
          if " ERROR " in l or "Traceback" in l or "Exception" in l or "errors." in l]
print(shown[-2000:])
print("\n".join(errors))
print("log lines", len(text.splitlines()))
if not errors and text:
    print("pgcli ok")
