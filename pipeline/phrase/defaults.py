"""Default bounds and endpoints of the Phrase clients, importable without loading them
(``sfia-qa --help`` shows them and stays fast)."""

DEFAULT_BASE_URL = "https://api.phrase.com/v2"   # Phrase Strings API v2
DEFAULT_DEADLINE = 900.0                         # seconds for a whole pull or push
DEFAULT_MAX_WAIT = 600.0                         # longest single wait a server may ask for
DEFAULT_MAX_PAGES = 10_000                       # pages of one listing
DEFAULT_MAX_BYTES = 50 * 1024 * 1024             # one response body, after decompression
