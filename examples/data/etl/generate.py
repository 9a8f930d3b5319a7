"""Generates stores.csv and transactions.csv for examples/etl.rs (run once with Python 3;
its output is the committed files). Deterministic: random.Random(20261203)."""
import csv
import random

rng = random.Random(20261203)
REGIONS = {
    "North": ["Oslo", "Bergen", "Trondheim"],
    "South": ["Lisbon", "Seville", "Naples"],
    "East": ["Warsaw", "Riga", "Tallinn"],
    "West": ["Dublin", "Nantes", "Porto"],
}
KINDS = ["Market", "Corner Shop", "Superstore", "Depot", "Kiosk"]
NAMES = ["Lovelace", "Hopper", "Turing", "Knuth", "Liskov", "Dijkstra", "Hamilton",
         "Ritchie", "Backus", "Allen", "Wirth", "Kay", "Goldberg", "Perlman", "Lamport"]

stores = []
for sid in range(1, 301):
    region = rng.choice(sorted(REGIONS))
    city = rng.choice(REGIONS[region])
    name = f"{rng.choice(NAMES)} {rng.choice(KINDS)}"
    if rng.random() < 0.1:
        name += ', "Flagship"'  # a comma and quotes: a quoted CSV field
    stores.append((sid, name, city, region))

with open("stores.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["store_id", "name", "city", "region"])
    w.writerows(stores)

NOTES = ["", "", "", "", "gift wrap", "paid in cash, exact change", 'customer said "thanks"',
         "returned later\nsee ticket", "café order ☕"]
with open("transactions.csv", "w", newline="") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["txn_id", "store_id", "sku", "quantity", "unit_cents", "day", "note"])
    for tid in range(1, 80_001):
        # Heavy-tailed stores (a few busy ones); about 1% name stores 301..310, which are
        # not in stores.csv (the inner join drops them).
        sid = min(int(rng.paretovariate(0.9)), 300) if rng.random() < 0.5 else rng.randint(1, 300)
        if rng.random() < 0.01:
            sid = rng.randint(301, 310)
        sku = f"SKU-{rng.randint(1, 2000):05d}"
        qty = min(int(rng.expovariate(0.5)) + 1, 40)
        cents = int(rng.lognormvariate(6.5, 0.9)) + 1
        day = f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        w.writerow([tid, sid, sku, qty, cents, day, rng.choice(NOTES)])
