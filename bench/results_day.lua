-- wrk script for bench/results_day.py: each request looks up a random valid national code and
-- birth date (from the file RESULTS_SAMPLES) in the session RESULTS_SESSION.
local samples = {}
local session = os.getenv("RESULTS_SESSION")

function init(args)
  for line in io.lines(os.getenv("RESULTS_SAMPLES")) do
    local code, birth = line:match("^(%S+) (%S+)$")
    samples[#samples + 1] = "/api/v1/results/" .. session .. "/lookup?code=" .. code ..
      "&birth_date=" .. birth
  end
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0))
end

function request()
  return wrk.format("GET", samples[math.random(#samples)])
end
