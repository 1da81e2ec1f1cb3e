"""Import of real captures (pcap/pcapng, NGAP over SCTP, NAS-5GS) into traces."""
