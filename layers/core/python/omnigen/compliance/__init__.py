"""Compliance with US DTC broadcast rules for prescription-drug ads."""
