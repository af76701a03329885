"""Drives a running LinuxCNC through its Python module (Debian's /usr/bin/python3 only).

Reads MDI commands from stdin, one a line, and prints one JSON object per command when it is
done: the tool in the spindle and the tool table (tool number → Z offset, diameter) after it.
The first line printed says the machine is on, homed and in MDI mode.
"""

import json
import sys
import time

import linuxcnc

stat = linuxcnc.stat()
command = linuxcnc.command()


def wait(condition, what, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        stat.poll()
        if condition():
            return
        time.sleep(0.02)
    raise SystemExit(f"drive.py: not within {seconds} s: {what}")


def table():
    return {
        str(t.id): {"z": round(t.zoffset, 6), "d": round(t.diameter, 6)} for t in stat.tool_table if t.id > 0
    }


def main():
    command.state(linuxcnc.STATE_ESTOP_RESET)
    command.state(linuxcnc.STATE_ON)
    wait(lambda: stat.task_state == linuxcnc.STATE_ON, "machine on")
    command.mode(linuxcnc.MODE_MANUAL)
    command.teleop_enable(0)
    command.home(-1)
    wait(lambda: all(stat.homed[:3]), "homed")
    command.mode(linuxcnc.MODE_MDI)
    wait(lambda: stat.task_mode == linuxcnc.MODE_MDI, "MDI mode")
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        mdi = line.strip()
        command.mdi(mdi)
        command.wait_complete(20)
        wait(lambda: stat.interp_state == linuxcnc.INTERP_IDLE, f"{mdi} done")
        print(json.dumps({"mdi": mdi, "spindle": stat.tool_in_spindle, "table": table()}), flush=True)


main()
