# Sourced by the HTTP benchmarks (run_bench.sh, signed_in_bench.sh) after BASE is set.
# Production settings (DEBUG off, manifest static files, secure cookies), minus the HTTPS
# redirect: wrk speaks plain HTTP on loopback, and a redirect would benchmark a 301.
export DJANGO_ENV=production DJANGO_DEBUG=0 DJANGO_SECURE_SSL_REDIRECT=0
export DJANGO_SECRET_KEY=bench-not-secret-0123456789abcdefghijklmnopqrstuvwxyz
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DJANGO_VAR_DIR=$BASE/var LOG_LEVEL=WARNING
unset DATABASE_URL SQLITE_PATH REDIS_URL CELERY_BROKER_URL
