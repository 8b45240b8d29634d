# Sourced by the test steps that run `equipwatch run` beside a broker of their own: a free
# loopback port (`free_port`) and `start_broker DIR`, which starts mosquitto on one and sets
# MQ_PORT and BROKER_PID (the caller stops it).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
start_broker() {
  MQ_PORT=$(free_port)
  local mosq
  mosq=$(command -v mosquitto || echo /usr/sbin/mosquitto)
  printf "listener %s 127.0.0.1\nallow_anonymous true\n" "$MQ_PORT" > "$1/mosquitto.conf"
  [ "$(id -u)" -eq 0 ] && echo "user root" >> "$1/mosquitto.conf"
  "$mosq" -c "$1/mosquitto.conf" > "$1/mosquitto.log" 2>&1 &
  BROKER_PID=$!
}
