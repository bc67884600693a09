-- wrk script: POST /v1/envelopes with a messages packet of 100 new envelopes of 1 KiB each,
-- stamped with the current time (so the live rules pass) and made unique by the nonce.
-- The envelope RLP is written by hand: [expiry(4), ttl=50, topic(4), data(1024), nonce(8)].
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end

local function be(n, width)
  local out = {}
  for i = width, 1, -1 do
    out[i] = string.char(n % 256)
    n = math.floor(n / 256)
  end
  return table.concat(out)
end

local data, counter

function init(args)
  math.randomseed(id or 1)
  local bytes = {}
  for i = 1, 1024 do bytes[i] = string.char(math.random(0, 255)) end
  data = "\xb9\x04\x00" .. table.concat(bytes)   -- 1024-byte string item
  counter = 0
end

function request()
  local expiry = os.time() + 50
  local parts = {}
  for i = 1, 100 do
    counter = counter + 1
    local topic = be(0x50000000 + math.random(0, 999), 4)
    -- 8-byte nonce with a non-zero first byte (canonical RLP): 0x01, thread id, counter.
    local nonce = "\x01" .. be(id or 1, 1) .. be(counter, 6)
    local body = "\x84" .. be(expiry, 4) .. "\x32" .. "\x84" .. topic .. data .. "\x88" .. nonce
    parts[i] = "\xf9" .. be(#body, 2) .. body
  end
  local payload = table.concat(parts)
  local packet = "\xfa" .. be(#payload, 3) .. payload
  return wrk.format("POST", "/v1/envelopes", { ["Content-Type"] = "application/x-rlp" }, packet)
end

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("ingest answered " .. status .. ": " .. body:sub(1, 200) .. "\n")
  end
end
