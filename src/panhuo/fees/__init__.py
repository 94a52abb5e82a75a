"""Annual-fee economics: the CNIPA fee schedule as data, a pure engine, a vectorised engine, services and CLI.

- :mod:`panhuo.fees.schedule` — load and validate fee-schedule editions (``data/*.yaml``).
- :mod:`panhuo.fees.engine` — pure, scalar rules (due dates, reductions, surcharge, lapse, cliffs).
- :mod:`panhuo.fees.vectorised` — the same facts for whole portfolios (``fee_facts_frame``).
"""
