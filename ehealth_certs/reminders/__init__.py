"""The daily watch over certificates: expiry reminders, the OCSP revocation check, their mails,
Celery tasks and health checks."""
