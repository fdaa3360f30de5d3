"""Operations: allocation, transfers and the departure gate, hub stays, onward returns, documents."""
