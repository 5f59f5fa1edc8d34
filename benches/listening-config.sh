# Shared by the listening benches (sourced): the service configuration they
# run, a line that challenges every caller (digit 5), listens with the
# recognizer and records nothing.
#
#   listening_config FILE PORT RTP_FIRST RTP_LAST DATA_DIR [ENGINE]
listening_config() {
    cat > "$1" <<TOML
[service]
listen = "127.0.0.1:$2"
data_dir = "$5"
rtp_ports = { first = $3, last = $4 }
[speech]
engine = "${6:-pocketsphinx}"
[[line]]
name = "bench"
numbers = ["*"]
[line.screening]
challenge_digit = 5
record = false
TOML
}
