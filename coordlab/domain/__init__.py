"""What the support desk knows, whoever runs it: its rules, its steps and its wire format.

Everything here is plain data and pure functions over :mod:`coordlab.types` and
:mod:`coordlab.errors`; it imports no other part of coordlab. The simulated LLM (``llm/``),
retrieval, the desk (``pipeline/``), the layers and the backends all read the same facts here:

- :mod:`~coordlab.domain.policy`: the business rules (:func:`~coordlab.domain.policy.decide`);
- :mod:`~coordlab.domain.reply`: the reply a correct compose step writes;
- :mod:`~coordlab.domain.steps`: the one table of steps (kind, output model, text format,
  instructions, persona);
- :mod:`~coordlab.domain.wire`: what travels between the desk and a model: the request header
  with its flags, the sections, and the text and JSON answer formats;
- :mod:`~coordlab.domain.handoff`: how an answer becomes the value the next step gets (validated
  with the state layer on, re-parsed like glue code with it off).
"""
