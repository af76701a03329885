"""File formats in and out of smooth-gql (DESIGN §8): one adapter per format.

Codecs here (`linuxcnc`) parse and render text only and import nothing of the
server, because client programs such as the LinuxCNC bridge share them.
Adapters that read or write data (`tool_table`) go through public service
functions only.
"""
