# Shared by the serving benchmarks (serve.sh, proxy.sh, memory.sh): sourced after `cd` to the repository root.
#   bench_args "$@"          --duration D, --connections N (defaults: DURATION, CONNS set before sourcing)
#   bench_packages P...      installs Debian packages that are missing
#   bench_binary             APIGW=path/to/apigw, or bash .ci/dev build and build/release/apigw
#   bench_tmp                TMP dir and PIDS array, both cleaned up on exit
#   free_port, wait_port P   a free loopback port; wait until one accepts connections
#   nginx_upstream [BODY] [WORKERS]   nginx answering 200 BODY (default {"ok":true}) to everything on a free port NP,
#                            with WORKERS worker processes (default 1; "auto" for one per core); after bench_tmp
#   wrk_run NAME URL [ARGS]  wrk -t2 with the connections and duration; prints "NAME req/s p99" to stderr, req/s to stdout
bench_args() {
  while [ $# -gt 0 ]; do
    case "$1" in
      --duration) DURATION=$2; shift ;;
      --connections) CONNS=$2; shift ;;
      --prism) PRISM=1 ;;
      *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
  done
}

bench_packages() {
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || $sudo apt-get install -y -qq "$pkg" >/dev/null
  done
}

bench_binary() {
  if [ -z "${APIGW:-}" ]; then
    bash .ci/dev build >/dev/null
    APIGW=build/release/apigw
  fi
}

bench_tmp() {
  TMP=$(mktemp -d)
  PIDS=()
  trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$TMP"' EXIT
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 200); do (echo >/dev/tcp/127.0.0.1/$1) 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# rss_kib PID / open_fds PID: a process's resident memory (KiB) and open descriptors, for growth checks.
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
open_fds() { ls "/proc/$1/fd" | wc -l; }

nginx_upstream() {
  local body=${1:-'{"ok":true}'} workers=${2:-1}
  NP=$(free_port)
  cat >"$TMP/nginx.conf" <<CONF
worker_processes $workers;
pid $TMP/nginx.pid;
error_log $TMP/nginx.err;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $TMP; proxy_temp_path $TMP; fastcgi_temp_path $TMP; uwsgi_temp_path $TMP; scgi_temp_path $TMP;
  server { listen 127.0.0.1:$NP; location / { default_type application/json; return 200 '$body'; } }
}
CONF
  nginx -c "$TMP/nginx.conf" -g 'daemon off;' &
  PIDS+=($!)
  wait_port "$NP"
}

wrk_run() {
  local name=$1 url=$2 out rps p99 bad
  shift 2
  out=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency "$@" "$url")
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  bad=$(echo "$out" | awk '/Non-2xx/ {print "   non-2xx: " $NF}')
  printf '%-30s %10s req/s   p99 %s%s\n' "$name" "$rps" "$p99" "$bad" >&2
  echo "$rps"
}
