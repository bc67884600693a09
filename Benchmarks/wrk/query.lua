-- wrk script: the first 50-result page of one random topic from a random time, as ServerReport's
-- in-process query loop asks (same layout: 1000 topics 0x50000000.., 30 days from 1700000000).
-- JSON answers by default; set RLP=1 in the environment for application/x-rlp answers.
local base, span, topics = 1700000000, 30 * 86400, 1000
local accept = os.getenv("RLP") == "1" and "application/x-rlp" or "application/json"

function setup(thread)
  thread:set("seed", math.random(1, 1000000))
end

function init(args)
  math.randomseed(seed or 1)
end

function request()
  local topic = string.format("0x%08x", 0x50000000 + math.random(0, topics - 1))
  local from = base + math.random(0, span - 86400)
  local path = "/v1/envelopes?topics=" .. topic .. "&from=" .. from .. "&to=" .. (base + span) .. "&limit=50"
  return wrk.format("GET", path, { ["Accept"] = accept })
end
