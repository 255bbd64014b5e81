"""Security settings that do not depend on DEBUG: cookie flags, response headers (CSP, permissions
policy), the client's address behind proxies and the login throttle. `oxygen.settings` imports
them all; the production-only ones (HTTPS redirect, HSTS, secure cookies) stay there, under DEBUG.

Environment variables are read as `oxygen.settings` reads them (the `.env` file is loaded first).
"""
from datetime import timedelta

import environ

env = environ.Env()

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features the pages never use (the eID reader is read on the server, not through WebUSB).
PERMISSIONS_POLICY = {feature: [] for feature in ("camera", "microphone", "geolocation", "usb", "payment")}
# No inline scripts or styles anywhere: JS and CSS come from static files only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}
# Reverse proxies in front of the app that append the client's address to X-Forwarded-For
# (0: none, REMOTE_ADDR is the client). Used by the audit log and the login throttle.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Login throttle (django-axes): 5 wrong passwords for one user name from one address lock that
# pair for 15 minutes, and 20 from one address whatever the user names (password spraying) lock
# the address; a successful login clears the counts. The database handler keeps them shared by
# every worker and across restarts, whatever cache is configured.
AXES_HANDLER = "oxygen.security.LoginThrottleHandler"
AXES_FAILURE_LIMIT = 5
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "oxygen.security.client_ip"
AXES_USERNAME_CALLABLE = "oxygen.security.throttle_username"
AXES_LOCKOUT_CALLABLE = "oxygen.security.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # successful logins and logouts are in the audit log
AXES_VERBOSE = False  # its start-up banner and per-attempt lines would drown the JSON logs

# What `from oxygen.security_settings import *` brings: the settings, not the helpers above.
__all__ = [name for name in dir() if name.isupper()]
