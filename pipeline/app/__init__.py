"""Use cases: what a producer asks for, as plain functions over the rooms below.

``publishing`` is the one skeleton every item goes through (gather and check, plan renditions, make, check the
feed, upload, record, regenerate); ``renditions`` and ``captions`` are what an item can publish; ``episode`` and
``seminar`` list theirs; ``regenerate`` writes feeds and archive pages; ``retract``, ``init``, ``overview``
(``publish serve``'s index) and ``identity`` (a show's ``podcast:guid``) the rest.

May import checks, render, media, inputs, store and model; never click, boto3 or subprocess.
"""
