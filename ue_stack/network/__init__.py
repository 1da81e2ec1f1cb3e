"""The network twin: UDM/ARPF, AUSF, AAnF, AF and AMF/SEAF as sans-I/O cores."""
