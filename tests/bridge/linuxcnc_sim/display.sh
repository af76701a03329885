#!/bin/sh
# The "display" LinuxCNC starts: it only says it is up (its pid in $SMOOTH_DISPLAY_PID) and
# waits; its exit on SIGTERM starts LinuxCNC's orderly shutdown. No X server needed.
echo $$ > "$SMOOTH_DISPLAY_PID"
trap 'exit 0' TERM
while :; do sleep 0.1; done
