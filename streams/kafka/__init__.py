"""Kafka plumbing shared by the Kafka source, the Kafka sinks and the distributed detectors.

``connection`` holds the connection settings every Kafka component accepts;
``delivery`` sends a list of messages and maps each broker answer to an
``ItemResult``.
"""
