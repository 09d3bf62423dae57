#!/usr/bin/env bash
# Start mockserver, wait for its ready line, run the app's tests against it, and keep the
# webhook delivery journal when they fail. Copy it into your repo; set APP_TESTS to your
# test command and MOCK_SCENARIO to a bundled name or a YAML path.
# MOCK_CLOCK=real (default) runs the scenario on its own, MOCK_TIME_SCALE wall seconds per
# simulated second; MOCK_CLOCK=manual stands still until the tests POST /_mock/clock/advance.
set -euo pipefail
MOCK_SCENARIO=${MOCK_SCENARIO:-dual_channel}
MOCK_CLOCK=${MOCK_CLOCK:-real}
MOCK_TIME_SCALE=${MOCK_TIME_SCALE:-0.01}
APP_TESTS=${APP_TESTS:-pytest tests/integration}

mockserver --scenario "$MOCK_SCENARIO" --port 0 --clock "$MOCK_CLOCK" \
  --time-scale "$MOCK_TIME_SCALE" >mock.out 2>mock.log &
MOCK_PID=$!
trap 'kill "$MOCK_PID" 2>/dev/null || true' EXIT

for _ in $(seq 100); do                     # up to 10 s for the ready line
  grep -q '^mockserver ready on ' mock.out && break
  kill -0 "$MOCK_PID" 2>/dev/null || { cat mock.log >&2; exit 1; }
  sleep 0.1
done
MOCK_URL=$(sed -n 's/^mockserver ready on //p' mock.out)
[ -n "$MOCK_URL" ] || { echo "mockserver did not start" >&2; cat mock.log >&2; exit 1; }

export MOCK_URL TELNYX_BASE_URL="$MOCK_URL/v2" TELNYX_API_KEY=${TELNYX_API_KEY:-KEY_CI}
TELNYX_PUBLIC_KEY=$(curl -fsS "$MOCK_URL/_mock/webhook-key" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["public_key"])')
export TELNYX_PUBLIC_KEY

if ! $APP_TESTS; then
  curl -fsS "$MOCK_URL/_mock/webhooks" >webhook-journal.json
  echo "app tests failed; delivery journal saved to webhook-journal.json;" \
    "the mock's log (a line per request and webhook attempt) is mock.log" >&2
  exit 1
fi
