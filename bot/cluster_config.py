"""Configuration files of the scale-out profile: Redis (locks only) and nginx (load balancer), loopback only."""

from __future__ import annotations

from pathlib import Path

# Rasa's action call may take 300 s (rasa.core.constants.DEFAULT_REQUEST_TIMEOUT) and the lock store keeps a turn's
# lock for up to 330 s (channels/lock_store.py MAX_HOLD): the proxy waits a little longer than either.
PROXY_READ_TIMEOUT = 360


def redis_conf(port: int, directory: Path, host: str = "127.0.0.1") -> str:
    """redis.conf: loopback, protected mode, no persistence (a lock outlives no restart), never evict a lock."""
    return "\n".join([
        f"bind {host}",
        f"port {port}",
        "protected-mode yes",
        "daemonize no",
        f'dir "{directory}"',
        'logfile ""',
        'save ""',
        "appendonly no",
        "maxmemory 256mb",
        "maxmemory-policy noeviction",
        "tcp-keepalive 60",
        "",
    ])


def nginx_conf(directory: Path, listen: str, upstreams: list[str]) -> str:
    """nginx.conf: one server on `listen` balancing over the Rasa replicas (least busy first).

    Retries: a request that could not be sent to a replica (connection refused or timed out: the replica is down)
    goes to the next one, POST included, since no replica saw it. A request already sent is never retried for POST
    (nginx's default without `non_idempotent`): the REST channel is not idempotent, so the client gets a 502 and
    decides; Twilio and Telegram retry on their own, and the inbox turns their retry into a duplicate.
    No keep-alive to the replicas: Sanic closes idle connections after 5 s, and a POST on a connection it just
    closed would be lost. Access lines carry the path without the query string (a sender id may be there).
    """
    servers = "\n".join(f"        server {address} max_fails=1 fail_timeout=5s;" for address in upstreams)
    return f"""\
daemon off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;

events {{
    worker_connections 1024;
}}

http {{
    log_format rafiq '$remote_addr [$time_local] "$request_method $uri" $status $request_time '
                     'upstream=$upstream_addr upstream_status=$upstream_status';
    access_log {directory}/access.log rafiq;
    client_body_temp_path {directory}/tmp/body;
    proxy_temp_path {directory}/tmp/proxy;
    fastcgi_temp_path {directory}/tmp/fastcgi;
    uwsgi_temp_path {directory}/tmp/uwsgi;
    scgi_temp_path {directory}/tmp/scgi;
    client_max_body_size 1m;
    server_tokens off;

    upstream rasa {{
        least_conn;
{servers}
    }}

    server {{
        listen {listen};
        location / {{
            proxy_pass http://rasa;
            proxy_http_version 1.1;
            proxy_set_header Connection close;
            proxy_set_header Host $http_host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
            proxy_connect_timeout 2s;
            proxy_send_timeout 60s;
            proxy_read_timeout {PROXY_READ_TIMEOUT}s;
            proxy_buffering off;
            proxy_next_upstream error timeout;
            proxy_next_upstream_tries 3;
        }}
    }}
}}
"""
