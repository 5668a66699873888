// The agent speaks in the SDP model's candidate types and drives the TURN client core for relayed candidates.
global using IceSpec.Ice.Sdp;
global using IceSpec.Turn.Client;
