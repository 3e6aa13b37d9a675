"""How the browser tests and the desk benchmark launch Debian's Chromium.

The background-networking flags matter: without them Chromium keeps trying to reach
Google's hosts, and on a machine with no outside network those attempts pile up.
"""

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
