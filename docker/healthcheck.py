"""Container health check: GET HEALTHCHECK_PATH on the local gunicorn, healthy on HTTP 200.

The request names the first ALLOWED_HOSTS entry as its host and says it came through the
HTTPS proxy, as real traffic does, so neither the host check nor the HTTPS redirect turns it
away. Exits 0 when healthy, 1 otherwise (the reason on stderr).
"""
import http.client
import os
import sys


def main() -> int:
    path = os.environ.get("HEALTHCHECK_PATH", "/healthz")
    port = int(os.environ.get("HEALTHCHECK_PORT", "8000"))
    host = os.environ.get("ALLOWED_HOSTS", "localhost").split(",")[0].strip().lstrip(".") or "localhost"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers={"Host": host, "X-Forwarded-Proto": "https"})
        status = connection.getresponse().status
    except OSError as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    finally:
        connection.close()
    if status != 200:
        print(f"unhealthy: GET {path} answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
